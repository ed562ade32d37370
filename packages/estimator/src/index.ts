/** @fets/estimator. Explicit exports, grouped by idea. @packageDocumentation */
export {};
