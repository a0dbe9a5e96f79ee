import mongoose from 'mongoose';

/** True when the database answers a ping. */
export async function isDatabaseUp() {
  try {
    await mongoose.connection.db?.admin().ping();
    return mongoose.connection.readyState === 1;
  } catch {
    return false;
  }
}
