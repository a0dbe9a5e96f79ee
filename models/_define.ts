import mongoose, { type Schema } from 'mongoose';
import { syncLateModel } from '#app/platform/indexes.server';

const compile = <TSchema extends Schema>(name: string, schema: TSchema) => mongoose.model(name, schema);

/** Registers a model once per process; on hot reload the existing model is reused with its type. */
export function defineModel<TSchema extends Schema>(name: string, schema: TSchema) {
  const existing = mongoose.models[name] as ReturnType<typeof compile<TSchema>> | undefined;
  if (existing) return existing;
  const model = compile(name, schema);
  syncLateModel(model);
  return model;
}
