import { Schema, type InferSchemaType } from 'mongoose';
import { LOCALES } from '#app/i18n/locales';
import { defineModel } from './_define';

// The vendor's brand that buyers see on every page and email: one document, _id 'brand'
// (app/branding/brand.server.ts; docs/branding.md). No document = Kept's own look and sender.
const BrandLogoSchema = new Schema(
  {
    data: { type: Buffer, required: true },
    /** From the file's magic bytes (app/branding/brand-rules.ts), never from the upload's declared type. */
    contentType: { type: String, enum: ['image/png', 'image/jpeg'], required: true },
    /** The first hex digits of the bytes' SHA-256: the `?v=` of the logo URL, so it can be cached for good. */
    version: { type: String, required: true },
    size: { type: Number, required: true },
  },
  { _id: false },
);

const BrandSchema = new Schema(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    accentColor: { type: String, required: true },
    senderName: { type: String },
    senderEmail: { type: String },
    replyTo: { type: String },
    postalAddress: { type: String },
    privacyUrl: { type: String },
    logo: { type: BrandLogoSchema },
    /** The buyers' language when neither the contact nor the account sets one (docs/i18n.md). */
    defaultLanguage: { type: String, enum: LOCALES },
    updatedById: { type: Schema.Types.ObjectId, ref: 'User' },
  },
  { timestamps: true, versionKey: false },
);

export const BRAND_ID = 'brand';
export type BrandDoc = InferSchemaType<typeof BrandSchema>;
export const Brand = defineModel('Brand', BrandSchema);
