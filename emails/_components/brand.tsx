import { Img, Link, Section, Text } from '@react-email/components';
import { createContext, useContext } from 'react';
import { firstName, KEPT_BRAND, textOn, type BuyerBrand } from '#app/branding/brand-rules';
import { useMessages } from '#app/i18n/i18n';
import { commonMessages } from '#app/i18n/messages/common';

// The vendor's letterhead in a buyer email: header (logo or name on the accent colour), footer
// (postal address, privacy link, "Powered by Kept"), and the accent the buttons take. A buyer
// template passes `brand` to <Layout>; everything inside reads it from this context.

/** The brand a buyer email shows: app/branding's getBuyerBrand({ absolute: true }). */
export type EmailBrand = BuyerBrand;
export const KEPT_EMAIL_BRAND = KEPT_BRAND;

/** A brand for the templates' preview props and tests. */
export const PREVIEW_BRAND: EmailBrand = {
  name: 'Northwind Software',
  accentColor: '#0f766e',
  textOnAccent: textOn('#0f766e'),
  logoUrl: 'http://localhost:3000/brand/logo?v=0123456789abcdef',
  postalAddress: 'Northwind Software AB\nSveavägen 1, 111 57 Stockholm',
  privacyUrl: 'https://northwind.example/privacy',
  vendor: true,
};

const BrandContext = createContext<EmailBrand>(KEPT_EMAIL_BRAND);
export const BrandProvider = BrandContext.Provider;
export const useEmailBrand = () => useContext(BrandContext);

/** "Hi Maria," ("Hej Maria!") from the contact's full name. */
export function Greeting({ name }: { name: string }) {
  const t = useMessages(commonMessages);
  return <Text style={{ fontSize: 15, lineHeight: '22px', margin: '0 0 14px' }}>{t('greeting', { name: firstName(name) })}</Text>;
}

/** The header band: the logo (or the name) on the accent colour. */
export function BrandHeader() {
  const brand = useEmailBrand();
  return (
    <Section style={{ backgroundColor: brand.accentColor, borderRadius: '8px 8px 0 0', padding: '14px 32px' }}>
      {brand.logoUrl ? (
        <Img src={brand.logoUrl} alt={brand.name} height={36} style={{ display: 'block', height: 36, maxWidth: 220, width: 'auto' }} />
      ) : (
        <Text style={{ color: brand.textOnAccent, fontSize: 20, fontWeight: 700, lineHeight: '28px', margin: 0 }}>{brand.name}</Text>
      )}
    </Section>
  );
}

const footer = { color: '#5b6574', fontSize: 12, lineHeight: '18px', margin: '4px 0' } as const;

/** Who sent the email (with the vendor's postal address and privacy policy), then "Powered by Kept". */
export function BrandFooter() {
  const brand = useEmailBrand();
  const t = useMessages(commonMessages);
  if (!brand.vendor) return <Text style={footer}>{t('sentByKept')}</Text>;
  return (
    <>
      <Text style={footer}>{t('sentBy', { vendor: brand.name })}</Text>
      {brand.postalAddress ? <Text style={footer}>{brand.postalAddress.split('\n').join(', ')}</Text> : null}
      {brand.privacyUrl ? (
        <Text style={footer}>
          {t('dataHandling', { vendor: brand.name })} <Link href={brand.privacyUrl}>{t('privacyPolicyLink')}</Link>
        </Text>
      ) : null}
      <Text style={{ ...footer, color: '#6b7480' }}>{t('poweredBy')}</Text>
    </>
  );
}
