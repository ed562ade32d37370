/** @fets/network. Explicit exports, grouped by idea. @packageDocumentation */
export {};
