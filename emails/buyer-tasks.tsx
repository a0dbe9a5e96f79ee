import { Text } from '@react-email/components';
import { translator } from '#app/i18n/messages';
import { playbookText } from '#app/i18n/messages/playbook';
import { taskMessages } from '#app/i18n/messages/tasks';
import { formatDate } from '#app/i18n/format';
import type { Locale } from '#app/i18n/locales';
import { firstName } from '#app/branding/brand-rules';
import { ActionButton } from './_components/action-button';
import { PREVIEW_BRAND, type EmailBrand } from './_components/brand';
import { Layout, paragraph } from './_components/layout';

export type BuyerTaskEmailItem = { title: string; kind: 'opened' | 'due_soon' | 'overdue' | 'digest'; dueAt: string; planUrl: string };

export type BuyerTasksEmailProps = {
  /** The vendor's letterhead (app/branding's buyerEmailBrand()). */
  brand?: EmailBrand;
  locale: Locale;
  contactName: string;
  accountName: string;
  /** The Monday digest of open tasks (with any reminder of the day), else the day's reminders. */
  digest: boolean;
  /** One line per task; the plan link of each task's journey. */
  items: BuyerTaskEmailItem[];
  unsubscribeUrl?: string;
};

const KIND_KEY = { opened: 'kindOpened', due_soon: 'kindDueSoon', overdue: 'kindOverdue', digest: 'kindDigest' } as const;
const KIND_COLOUR = { opened: '#1b5fbf', due_soon: '#8a5a00', overdue: '#b42318', digest: '#5b6574' } as const;

/** One buyer's task email of the day: what opened, what is due tomorrow, what is overdue (docs/buyer-tasks.md). */
export function BuyerTasksEmail({ brand, locale, contactName, accountName, digest, items, unsubscribeUrl }: BuyerTasksEmailProps) {
  const t = translator(taskMessages, locale);
  const links = [...new Set(items.map((i) => i.planUrl))];
  return (
    <Layout
      brand={brand}
      locale={locale}
      preview={digest ? t('emailSubjectDigest', { accountName }) : t('emailSubject', { count: items.length, accountName })}
      reason={t('emailReason', { accountName })}
      unsubscribeUrl={unsubscribeUrl}
    >
      <Text style={paragraph}>{t('emailHello', { name: firstName(contactName) })}</Text>
      <Text style={paragraph}>{digest ? t('emailDigestIntro', { accountName }) : t('emailIntro', { accountName })}</Text>
      <ul>
        {items.map((item, i) => (
          <li key={i} style={{ ...paragraph, margin: '0 0 6px' }}>
            <strong style={{ color: KIND_COLOUR[item.kind] }}>{t(KIND_KEY[item.kind])}</strong> · {playbookText(locale, item.title)}{' '}
            <span style={{ color: '#5b6574' }}>({t('emailDue', { date: formatDate(locale, item.dueAt) })})</span>
          </li>
        ))}
      </ul>
      {links.map((href) => (
        <ActionButton key={href} href={href}>
          {t('emailButton')}
        </ActionButton>
      ))}
      <Text style={paragraph}>{t('emailLinkNote')}</Text>
    </Layout>
  );
}

export const PreviewProps: BuyerTasksEmailProps = {
  brand: PREVIEW_BRAND,
  locale: 'en',
  contactName: 'Nora Lindqvist',
  accountName: 'Northwind Traders',
  digest: false,
  items: [
    { title: 'Signs off the implementation plan', kind: 'overdue', dueAt: '2026-12-04T12:00:00Z', planUrl: 'http://localhost:3000/plan/preview-token-not-valid' },
    { title: 'Names the admin users', kind: 'opened', dueAt: '2026-12-18T12:00:00Z', planUrl: 'http://localhost:3000/plan/preview-token-not-valid' },
  ],
};

BuyerTasksEmail.PreviewProps = PreviewProps;
export default BuyerTasksEmail;
