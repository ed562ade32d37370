/** `fe.dataset`: data sets, splits, label vocabularies and the NER corpus loaders. */
export {
  Dataset,
  IterableDataset,
  ViewDataset,
  SubsetDataset,
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
