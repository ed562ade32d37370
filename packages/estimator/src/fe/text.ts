/** `fe.text`: tokenizers. */
export { BertWordPieceTokenizer, basicTokenize } from '@fets/pipeline';
