export * from './advocate.js';
export * from './codes.js';
export * from './advocate.repository.js';
export * from './advocates.service.js';
export * from './enrolment.service.js';
export * from './advocates.module.js';
