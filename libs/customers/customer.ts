export interface Delight {
  score: number;
  reasons: string[];
}

export interface Customer {
  id: string;
  tenantId: string;
  /** The brand's own customer id. */
  externalId: string;
  email: string | null;
  emailNormalized: string | null;
  name: string | null;
  firstUseAt: Date | null;
  generation: number;
  /** Null until the worker first scores the customer. */
  delight: Delight | null;
  createdAt: Date;
}

/** What one batch of moments says about a customer's profile. */
export interface ProfileUpdate {
  externalId: string;
  email?: string | null;
  name?: string | null;
  firstUseAt?: Date | null;
}
