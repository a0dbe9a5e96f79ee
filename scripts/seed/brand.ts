import { createHash } from 'node:crypto';
import { BRAND_ID, Brand } from '#models/brand';
import { demoLogoPng } from './brand-logo';

/** The demo vendor that sells to the demo accounts: what every buyer page and email shows. */
export const DEMO_BRAND = {
  name: 'Lumen Analytics',
  accentColor: '#0f5c7a',
  senderName: 'Lumen Analytics Customer Success',
  senderEmail: 'success@lumen.demo',
  replyTo: 'cs-team@lumen.demo',
  postalAddress: '12 Harbour Street\nBristol BS1 4QA, United Kingdom',
  privacyUrl: 'https://lumen.demo/privacy',
};

/** Sets the demo brand once (an admin's later changes stay: only a missing brand is written). */
export async function seedBrand(now: Date) {
  const data = demoLogoPng();
  const logo = { data, contentType: 'image/png', version: createHash('sha256').update(data).digest('hex').slice(0, 16), size: data.length };
  await Brand.updateOne({ _id: BRAND_ID }, { $setOnInsert: { ...DEMO_BRAND, logo, createdAt: now, updatedAt: now } }, { upsert: true, timestamps: false });
}
