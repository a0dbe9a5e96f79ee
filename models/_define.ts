import mongoose, { type Schema } from 'mongoose';

/** Registers a model once per process; on hot reload the existing model is reused with its type. */
export function defineModel<TSchema extends Schema>(name: string, schema: TSchema) {
  const existing = mongoose.models[name] as ReturnType<typeof mongoose.model<TSchema>> | undefined;
  return existing ?? mongoose.model<TSchema>(name, schema);
}

/** ObjectId or string -> string, for plain objects sent to the browser. */
export const idOf = (value: unknown) => String(value);
