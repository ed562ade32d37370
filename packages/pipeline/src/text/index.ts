/**
 * `@fets/pipeline/text`: the tokenizers and the text ops, free of Node.js modules, so they run in a browser bundle
 * (examples/ner-web) exactly as in the Pipeline.
 */

// Tokenizers
export { basicTokenize } from './basicTokenizer.js';
export type { BasicTokenizeOptions } from './basicTokenizer.js';
export { BertWordPieceTokenizer, TokenizerError } from './bertWordPieceTokenizer.js';
export type { BertTokenizerOptions, EncodeOptions, Encoding } from './bertWordPieceTokenizer.js';
export { parseVocab } from './vocab.js';
export { wordWindows } from './wordWindows.js';
export type { WordWindow } from './wordWindows.js';

// Text ops
export { AttentionMask } from '../ops/text/attentionMask.js';
export { BertTokenize } from '../ops/text/bertTokenize.js';
export type { BertTokenizeOptions, BertTokenizeOutput } from '../ops/text/bertTokenize.js';
export { MaskTokens } from '../ops/text/maskTokens.js';
export { PadSequence } from '../ops/text/padSequence.js';
export { Tokenize } from '../ops/text/tokenize.js';
export { WordtoId } from '../ops/text/wordToId.js';
