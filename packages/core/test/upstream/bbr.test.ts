// Body-based routing facts as read in GIE v1.4.0 (pkg/bbr/datastore/datastore.go GetBaseModel), the llm-d.ai/model
// label's short names, and vLLM's /v1/models list shape.
import { describe, expect, it } from 'vitest';
import { bbrBaseModel, modelNamesMatch, parseVllmModelList } from '../../src/upstream/bbr.ts';

describe('bbrBaseModel (GetBaseModel)', () => {
  const registry = { baseModels: ['meta-llama/Llama-3.1-8B-Instruct'], adapters: { 'food-review-1': 'meta-llama/Llama-3.1-8B-Instruct' } };
  it('maps an adapter to its base, a base to itself (trimmed), anything else to the empty string', () => {
    expect(bbrBaseModel('food-review-1', registry)).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(bbrBaseModel(' meta-llama/Llama-3.1-8B-Instruct ', registry)).toBe('meta-llama/Llama-3.1-8B-Instruct');
    expect(bbrBaseModel('NonExistentModel', registry)).toBe('');
    expect(bbrBaseModel('meta-llama/Llama-3.1-8B-Instruct', { baseModels: [] })).toBe('');
  });
});

describe('modelNamesMatch', () => {
  it('matches exact ids and llm-d.ai/model short names, not other models', () => {
    expect(modelNamesMatch('Qwen/Qwen2.5-7B-Instruct', 'Qwen/Qwen2.5-7B-Instruct')).toBe(true);
    expect(modelNamesMatch('Qwen2.5-7B-Instruct', 'Qwen/Qwen2.5-7B-Instruct')).toBe(true); // the seed's label
    expect(modelNamesMatch('qwen2-5-0-5b-instruct', 'Qwen/Qwen2.5-0.5B-Instruct')).toBe(true);
    expect(modelNamesMatch('Qwen2.5-7B-Instruct', 'Qwen/Qwen2.5-0.5B-Instruct')).toBe(false);
    expect(modelNamesMatch('qwen2-0-5b', 'Qwen/Qwen2.5-0.5B-Instruct')).toBe(false); // too short to tell: not guessed
    expect(modelNamesMatch('', 'x')).toBe(false);
  });
});

describe('parseVllmModelList', () => {
  it('reads data[].id (base names and LoRA adapters), tolerating other fields', () => {
    const body = {
      object: 'list',
      data: [
        { id: 'Qwen/Qwen2.5-0.5B-Instruct', object: 'model', created: 1, owned_by: 'vllm', root: '/models/q', parent: null, max_model_len: 4096, permission: [{}] },
        { id: 'food-review-1', object: 'model', root: '/adapters/f', parent: 'Qwen/Qwen2.5-0.5B-Instruct' },
      ],
    };
    expect(parseVllmModelList(body)).toEqual(['Qwen/Qwen2.5-0.5B-Instruct', 'food-review-1']);
  });
  it('names the field when the shape is not a model list', () => {
    expect(() => parseVllmModelList({ models: [] })).toThrow(/not a \/v1\/models list: data: /);
    expect(() => parseVllmModelList({ data: [{ name: 'x' }] })).toThrow(/data\.0\.id/);
  });
});
