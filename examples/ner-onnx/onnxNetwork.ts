import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { type CrfScores, type DataDict, NDArray, parseOptions } from '@fets/estimator';

const optionsSchema = z.strictObject({
  /** Threads of onnxruntime's intra-op pool. */
  threads: z.number().int().min(1).default(1),
  /** Batch key of the token ids [B, L] (BertTokenize's output). */
  idsKey: z.string().default('x'),
  /** Batch key of the attention mask [B, L] (AttentionMask's output). */
  maskKey: z.string().default('xMask'),
  /** Key the logits [B, L, labels] are written to. */
  outputKey: z.string().default('yPred'),
});

/** Options of {@link OnnxNetwork.load}. */
export type OnnxNetworkOptions = z.input<typeof optionsSchema>;

/**
 * The exported `model.onnx` on onnxruntime-node in the place of a fets Network: `transform(batch)` feeds the batch's
 * ids and mask (as int64, token types 0) to the session and adds the logits, so fets' TokenTagger (its tokenizer,
 * windows and spans) tags text with the ONNX model.
 *
 * @example
 * const net = await OnnxNetwork.load('runs/ner-bert/model/model.onnx');
 * const tagger = new fe.TokenTagger(pipeline, net as unknown as fe.Network);
 * // A CRF model: Viterbi over the ONNX logits with the CRF's scores the graph outputs.
 * const crf = await net.crfScores();
 * const crfTagger = new fe.TokenTagger(pipeline, net as unknown as fe.Network, { head, ...(crf ? { crf } : {}) });
 */
export class OnnxNetwork {
  private constructor(
    readonly session: ort.InferenceSession,
    readonly options: z.output<typeof optionsSchema>,
  ) {}

  /** Opens an inference session on `file`. */
  static async load(file: string, options: OnnxNetworkOptions = {}): Promise<OnnxNetwork> {
    const o = parseOptions('OnnxNetwork', optionsSchema, options);
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: o.threads, interOpNumThreads: 1 });
    return new OnnxNetwork(session, o);
  }

  /** The batch with the model's logits added under `outputKey`. */
  async transform(batch: DataDict): Promise<DataDict> {
    const { idsKey, maskKey, outputKey } = this.options;
    const ids = batch[idsKey] as NDArray;
    const mask = batch[maskKey] as NDArray;
    const dims = [...ids.shape];
    const int64 = (a: NDArray) =>
      new ort.Tensor(
        'int64',
        BigInt64Array.from(a.data as Int32Array, (v) => BigInt(v)),
        dims,
      );
    const out = await this.session.run({
      input_ids: int64(ids),
      attention_mask: int64(mask),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(ids.size), dims),
    });
    const logits = out.logits!;
    return { ...batch, [outputKey]: new NDArray(logits.data as Float32Array, [...logits.dims], 'float32') };
  }

  /**
   * The CRF's scores of a model exported from a CRF folder (its `transitions`, `start_transitions` and
   * `end_transitions` outputs, constants: read from one run on a one-token input), or undefined for a softmax model.
   */
  async crfScores(): Promise<CrfScores | undefined> {
    const names = ['transitions', 'start_transitions', 'end_transitions'] as const;
    if (!names.every((n) => this.session.outputNames.includes(n))) return undefined;
    const token = (v: bigint) => new ort.Tensor('int64', BigInt64Array.of(v), [1, 1]);
    const out = await this.session.run({ input_ids: token(1n), attention_mask: token(1n), token_type_ids: token(0n) }, [...names]);
    const [transitions, start, end] = names.map((n) => out[n]!.data as Float32Array);
    return { transitions: transitions!, start: start!, end: end! };
  }

  /** Frees the session. */
  release(): Promise<void> {
    return this.session.release();
  }
}
