// The control protocol codec in one import: codes, status blocks, requests, replies and errors.

export * from './codes';

export * from './status';
export * from './requests';
export * from './replies';
