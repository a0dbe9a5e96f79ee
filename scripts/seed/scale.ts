// The large data set (`npm run seed -- --accounts 100000`, and the benchmark's 1,000-account
// baseline): the demo accounts, contacts, deals and journeys of seed.server.ts, plus per batch of
// 1,000 accounts, built in memory and written with bulk inserts of derived ids:
//   - every deal's three survey waves played forward to `now` (survey-seed.server.ts, `scale`
//     engagement), with the buyers' answers;
//   - an advocate for each deal with an answer (what refreshAdvocacyForDeal would store: the
//     latest answer's contact, its candidate types, rank and ask budget);
//   - marketing's asks of three candidates in four, in every status, holding their budget slots;
//   - referrals from completed referral asks: open, lost, or won by a deal of the same batch.
// The rollups are summed in memory from the same documents with the functions the rebuild uses,
// and written with bulk inserts at the end. Nothing is looked up by a field other than _id while
// writing (FerretDB/SQLite scans the collection for that). A re-run inserts nothing new (the ids
// are the same); when a run finds documents it did not write (an earlier or interrupted run,
// other data), it rebuilds the rollups from the database instead (slower, same result).
import { Types } from 'mongoose';
import { Advocate } from '#models/advocate';
import { Ask } from '#models/ask';
import { AskBudgetSlot } from '#models/ask-budget-slot';
import { Deal } from '#models/deal';
import { Referral } from '#models/referral';
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { User } from '#models/user';
import { ADVOCACY_METRICS, advocacyConfig } from '#app/advocacy/shared.server';
import { claimOnce, getClaim, recordClaims } from '#app/platform/claims.server';
import { dealChurnRow, dealWonRow, DEAL_METRICS } from '#app/deals/deal-metrics.server';
import { BACKTEST_MONTHS, FORECAST_METRICS, forecastRows } from '#app/dashboards/forecast.server';
import { advocateFields, askCounters, laterOf, nextBudgetAvailability, DAY_MS, type AdvocateSources } from '#app/advocacy/advocacy-rules.server';
import { insertIgnoringDuplicates } from '#app/platform/db.server';
import { JOURNEY_METRIC_KINDS, journeyDims, journeyMetricRows } from '#app/journeys/journey.server';
import { bumpMetric, clearMetrics, metricKey, withBulkMetrics } from '#app/platform/metrics.server';
import { getPlaybookVersion } from '#app/journeys/playbook.server';
import { rebuildAllMetrics } from '#app/dashboards/metrics-rebuild.server';
import { mulberry32 } from '#app/utils/random.server';
import { assertSeedAllowed, normalizeSeed, seedDemoData, type SeedBatch, type SeedSummary } from '#scripts/seed/demo';
import { simulateDealSurveys } from '#scripts/seed/surveys';
import { answerMetricRows, surveyDims, SURVEY_METRICS } from '#app/surveys/surveys.server';
import { CANDIDATE_TYPES, type AskStatus, type AskType, type CandidateType } from '#app/advocacy/advocacy-types';
import { objectIdFrom } from '#app/utils/ids.server';
import { RecoveryCase } from '#models/recovery-case';
import { closedRow, openedRow, RECOVERY_METRIC } from '#app/dashboards/recovery-metrics.server';

/** From this many accounts on, `npm run seed` writes the scale data set instead of the demo. */
export const SCALE_FROM = 1_000;

type Doc = Record<string, any>;
type Counts = { inserted: number; existing: number };
export type ScaleSeedSummary = SeedSummary & {
  surveys: Counts;
  responses: Counts;
  advocates: Counts;
  asks: Counts;
  referrals: Counts;
  rollups: { ms: number; parts: { part: string; ms: number }[] };
  /** True when an earlier run had written this data set already. */
  skipped: boolean;
};

const idKey = (v: unknown) => String(v);
const plusDays = (d: Date, days: number) => new Date(d.getTime() + days * DAY_MS);

/** What the buyer's latest answer makes of a deal's contact: the fields refreshAdvocacyForDeal stores. */
function advocateFor(input: { deal: Doc; account: Doc; contact: Doc; journey: Doc | undefined; latest: Doc; now: Date }) {
  const { deal, account, contact, journey, latest, now } = input;
  const { fields } = advocateFields(
    {
      deal: deal as AdvocateSources['deal'],
      account,
      contact: contact as AdvocateSources['contact'],
      liveAt: (journey?.liveAt as Date | undefined) ?? null,
      latest: latest as AdvocateSources['latest'],
    },
    now,
  );
  return {
    _id: objectIdFrom(`seed-advocate:${idKey(deal._id)}:${idKey(contact._id)}`),
    dealId: deal._id,
    contactId: contact._id,
    ...fields,
    budgetClearAt: null as Date | null,
    refreshedAt: now,
    rev: 0,
    createdAt: now,
    updatedAt: now,
    __v: 0,
  };
}

type Row = { kind: string; dims: Record<string, string | undefined>; counts: Record<string, number> };

/**
 * The rollups of the documents a run writes, summed in memory with the row functions the rebuilds
 * use (journeyMetricRows, answerMetricRows, dealWonRow, askCounters...), so they equal a rebuild.
 */
function rollupTotals() {
  const totals = new Map<string, Row>();
  const histories: Parameters<typeof forecastRows>[0][number][] = [];
  const paths = new Map<string, string[]>();
  const add = (row: Row) => {
    const key = metricKey(row.kind, row.dims);
    const into = totals.get(key) ?? { kind: row.kind, dims: row.dims, counts: {} };
    for (const [name, n] of Object.entries(row.counts)) if (n) into.counts[name] = (into.counts[name] ?? 0) + n;
    totals.set(key, into);
  };
  return {
    async journeys(journeys: Doc[]) {
      for (const j of journeys) {
        for (const row of journeyMetricRows(j as never)) add(row);
        const version = `${j.playbookKey ?? ''}@${j.playbookVersion}`;
        let path = paths.get(version);
        if (!path) {
          path = ((await getPlaybookVersion(j.playbookVersion, j.playbookKey))?.stages ?? []).filter((st) => !st.terminal).map((st) => st.key);
          paths.set(version, path);
        }
        histories.push({
          dims: journeyDims(j as never),
          stages: (j.stages as Doc[]).map((st) => ({ key: st.key, enteredAt: st.enteredAt, exitedAt: st.exitedAt ?? null })),
          liveAt: j.liveAt ?? null,
          path,
        });
      }
    },
    deals(deals: Doc[], accountById: Map<string, Doc>) {
      for (const d of deals) {
        const account = accountById.get(idKey(d.accountId))!;
        add(dealWonRow(d as never, account.segment));
        const churn = account.status === 'churned' && account.churnedAt ? dealChurnRow(d as never, account.segment, account.churnedAt) : null;
        if (churn) add(churn);
      }
    },
    surveys(surveys: Doc[], responses: Doc[], deals: Doc[]) {
      const dealOf = new Map(deals.map((d) => [idKey(d._id), { arr: d.arr as number, currency: (d.currency as string | undefined) ?? 'USD' }]));
      for (const s of surveys) if (s.invitedAt) add({ kind: SURVEY_METRICS.funnel, dims: surveyDims(s as never), counts: { invited: 1 } });
      for (const r of responses) for (const row of answerMetricRows(r as never, dealOf.get(idKey(r.dealId)))) add(row);
    },
    advocacy(advocates: Doc[], asks: Doc[], referrals: Doc[]) {
      for (const a of advocates) {
        for (const type of [...CANDIDATE_TYPES.filter((t) => a.qualifies.includes(t)), ...(a.expansion ? ['expansion'] : [])])
          add({ kind: ADVOCACY_METRICS.candidate, dims: { type, rep: idKey(a.aeId) }, counts: { n: 1 } });
      }
      for (const a of asks) {
        const everAccepted = (a.history as Doc[]).some((h) => h.status === 'accepted' || h.status === 'completed');
        add({
          kind: ADVOCACY_METRICS.ask,
          dims: { type: a.type, channel: a.channel, platform: a.type === 'review' ? (a.platform ?? 'custom') : undefined },
          counts: askCounters({ status: a.status, everAccepted }),
        });
      }
      for (const r of referrals) {
        const dims = (currency: string) => ({ advocate: idKey(r.advocateId), origin: idKey(r.originDealId), rep: idKey(r.aeId), currency });
        const open = r.status === 'open';
        add({ kind: ADVOCACY_METRICS.referral, dims: dims(r.currency ?? 'USD'), counts: { referrals: 1, open: open ? 1 : 0, pipeline: open ? (r.estimatedArr ?? 0) : 0 } });
        if (r.newDealId) add({ kind: ADVOCACY_METRICS.referral, dims: dims(r.newDealCurrency ?? 'USD'), counts: { won: 1, revenue: r.newDealArr ?? 0 } });
      }
    },
    recovery(cases: Doc[]) {
      for (const c of cases) {
        add(openedRow(c as never));
        const closed = closedRow(c as never);
        if (closed) add(closed);
      }
    },
    /** Replaces every rollup kind with the sums (bulk inserts), the forecast computed as of `now`. */
    async write(now: Date) {
      const forecast = forecastRows(histories, now, BACKTEST_MONTHS);
      const kinds = [
        ...JOURNEY_METRIC_KINDS,
        ...Object.values(SURVEY_METRICS),
        ...Object.values(ADVOCACY_METRICS),
        ...Object.values(DEAL_METRICS),
        ...Object.values(FORECAST_METRICS),
        RECOVERY_METRIC,
      ];
      for (const kind of kinds) await clearMetrics(kind);
      await withBulkMetrics(async () => {
        for (const row of [...totals.values(), ...forecast]) await bumpMetric(row.kind, row.dims, row.counts);
        await bumpMetric(FORECAST_METRICS.meta, { asOf: now.toISOString() }, { snapshots: 1, journeys: histories.length, months: BACKTEST_MONTHS });
      });
      return totals.size + forecast.length + 1;
    },
  };
}

/**
 * A recovery case per promise answered "Not yet" (what the recovery area opens), its state played
 * forward to today: cases opened more than 60 days ago are closed (delivered 7 in 10, else won't
 * deliver), younger ones open, plan agreed or (past their 7-day SLA, one in three) escalated.
 */
function recoveryCasesOf(responses: Doc[], input: { deals: Doc[]; accountById: Map<string, Doc>; journeyOf: Map<string, Doc>; now: Date }) {
  const dealOf = new Map(input.deals.map((d) => [idKey(d._id), d]));
  const cases: Doc[] = [];
  for (const r of responses) {
    const deal = dealOf.get(idKey(r.dealId));
    if (!deal) continue;
    const csmId = input.journeyOf.get(idKey(deal._id))?.csmId ?? input.accountById.get(idKey(deal.accountId))?.csmId ?? null;
    for (const p of r.promises as Doc[]) {
      if (p.verdict !== 'not_yet') continue;
      const _id = objectIdFrom(`seed-recovery:${idKey(r.dealId)}:${r.wave}:${idKey(p.promiseId)}`);
      const roll = parseInt(String(_id).slice(-4), 16) / 0x10000;
      const openedAt = r.answeredAt as Date;
      const slaDueAt = new Date(openedAt.getTime() + 7 * DAY_MS);
      const age = (input.now.getTime() - openedAt.getTime()) / DAY_MS;
      const closedAt = new Date(openedAt.getTime() + Math.round(5 + roll * 50) * DAY_MS);
      const status = age > 60 ? (roll < 0.7 ? 'delivered' : 'wont_deliver') : age > 7 && roll < 0.33 ? 'escalated' : roll < 0.5 ? 'open' : 'plan_agreed';
      cases.push({
        _id,
        dealId: r.dealId,
        accountId: r.accountId,
        surveyId: r._id,
        wave: r.wave,
        promiseKey: idKey(p.promiseId),
        trigger: 'promise_not_yet',
        promiseText: p.text,
        category: p.category,
        buyerWords: p.comment ?? '',
        aeId: deal.aeId,
        csmId,
        segment: r.segment,
        closedWonAt: r.closedWonAt,
        arr: deal.arr,
        status,
        openedAt,
        slaDueAt,
        ...(status === 'escalated' ? { escalatedAt: slaDueAt } : {}),
        ...(status === 'delivered' ? { closedAt, recoveredAt: closedAt } : {}),
        ...(status === 'wont_deliver' ? { closedAt, wontDeliverReason: 'Not on the roadmap this year' } : {}),
        rev: 0,
        createdAt: openedAt,
        updatedAt: status === 'delivered' || status === 'wont_deliver' ? closedAt : openedAt,
        __v: 0,
      });
    }
  }
  return cases;
}

const CONSENT_FIELD: Record<CandidateType, string> = { referral: 'consentReferral', reference: 'consentReference', case_study: 'consentCaseStudy' };
const OUTCOME_NOTES = {
  declined: ['Too busy this quarter.', 'Legal does not allow public references.', 'Maybe after our renewal.'],
  accepted: ['Happy to, will confirm a date.', 'Yes, send the details.'],
} as const;

/** The batch extension: surveys, answers, advocates, asks, budget slots and referrals of one batch. */
function scaleBatch(input: { seed: number; totals: Record<'surveys' | 'responses' | 'advocates' | 'asks' | 'referrals', Counts>; rollups: ReturnType<typeof rollupTotals> }) {
  const { totals, rollups } = input;
  let marketing: { _id: Types.ObjectId; name: string } | null = null;
  return async (batch: SeedBatch) => {
    const { now } = batch;
    marketing ??= await User.findOne({ email: 'marketing@kept.demo' }).select('name').lean();
    if (!marketing) throw new Error('The demo user marketing@kept.demo is missing.');
    const config = advocacyConfig();
    const accountById = new Map(batch.accounts.map((a) => [idKey(a._id), a]));
    const contactById = new Map(batch.contacts.map((c) => [idKey(c._id), c]));
    const primaryOf = new Map(batch.contacts.filter((c) => c.isPrimary).map((c) => [idKey(c.accountId), c]));
    const journeyOf = new Map(batch.journeys.map((j) => [idKey(j.dealId), j]));

    // Surveys and answers (a contact whose invitation bounced is marked before it is written).
    const surveys: Doc[] = [];
    const responses: Doc[] = [];
    const latestOf = new Map<string, Doc>();
    for (const deal of batch.deals) {
      const account = accountById.get(idKey(deal.accountId))!;
      const primary = primaryOf.get(idKey(deal.accountId)) ?? null;
      const journey = journeyOf.get(idKey(deal._id));
      const sim = simulateDealSurveys({
        deal: deal as never,
        segment: account.segment,
        primary: primary as never,
        now,
        engagement: 'scale',
        journey: journey ? { liveAt: (journey.liveAt as Date | null | undefined) ?? null } : undefined,
      });
      for (const d of sim.docs) surveys.push({ __v: 0, ...d });
      for (const a of sim.answers) {
        responses.push(a);
        const seen = latestOf.get(idKey(deal._id));
        if (!seen || a.answeredAt > seen.answeredAt || (+a.answeredAt === +seen.answeredAt && idKey(a._id) > idKey(seen._id))) latestOf.set(idKey(deal._id), a);
      }
      if (sim.bouncedContactId) {
        const contact = contactById.get(idKey(sim.bouncedContactId));
        if (contact && contact.emailStatus === 'ok') contact.emailStatus = 'bounced';
      }
    }

    // Survey emails count in the ask budget, except the survey in which the contact said yes to
    // exactly what is asked (app/advocacy/ask-budget.server.ts, surveyUses).
    const sentByAccount = new Map<string, Doc[]>();
    for (const s of surveys) if (s.sentAt) sentByAccount.set(idKey(s.accountId), [...(sentByAccount.get(idKey(s.accountId)) ?? []), s]);
    const responseById = new Map(responses.map((r) => [idKey(r._id), r]));
    const surveyUses = (contactId: unknown, accountId: unknown, type: AskType, at: Date) => {
      const since = at.getTime() - config.budget.windowDays * DAY_MS;
      const inWindow = (sentByAccount.get(idKey(accountId)) ?? []).filter((s) => s.sentAt.getTime() > since && s.sentAt <= at);
      const counted = inWindow.filter((s) => {
        const r = type === 'review' ? undefined : responseById.get(idKey(s._id));
        return !(r && r[CONSENT_FIELD[type as CandidateType]] === true && idKey(r.contactId) === idKey(contactId));
      });
      return { contact: counted.filter((s) => idKey(s.contactId) === idKey(contactId)).map((s) => s.sentAt as Date), account: counted.map((s) => s.sentAt as Date) };
    };
    const slotsOf = new Map<string, Doc[]>(); // `contact:<id>` / `account:<id>` -> slots, oldest first
    const recentSlots = (scope: string, limit: number) => (slotsOf.get(scope) ?? []).slice(-limit).map((s) => s.at as Date);
    const budgetClearAt = (contactId: unknown, accountId: unknown, type: AskType, at: Date) => {
      const uses = surveyUses(contactId, accountId, type, at);
      const { windowDays, perContact, perAccount } = config.budget;
      return laterOf(
        nextBudgetAvailability({ uses: [...recentSlots(`contact:${idKey(contactId)}`, perContact), ...uses.contact], limit: perContact, windowDays, now: at }),
        nextBudgetAvailability({ uses: [...recentSlots(`account:${idKey(accountId)}`, perAccount), ...uses.account], limit: perAccount, windowDays, now: at }),
      );
    };

    // Advocates, in deal order, and marketing's asks of three candidates in four.
    const advocates: Doc[] = [];
    const asks: Doc[] = [];
    const slots: Doc[] = [];
    const referrals: Doc[] = [];
    const claims: Parameters<typeof recordClaims>[0] = [];
    const referredDeals = new Set<string>();
    const by = { byId: marketing._id, byName: marketing.name };
    for (const deal of batch.deals) {
      const latest = latestOf.get(idKey(deal._id));
      const contact = latest && contactById.get(idKey(latest.contactId));
      if (!latest || !contact) continue;
      const account = accountById.get(idKey(deal.accountId))!;
      const advocate = advocateFor({ deal, account, contact, journey: journeyOf.get(idKey(deal._id)), latest, now });
      advocates.push(advocate);
      const r = mulberry32(normalizeSeed(`${input.seed}:ask:${idKey(advocate._id)}`));
      if (advocate.qualifies.length === 0 || r() >= 0.75) continue;
      const type = advocate.qualifies[Math.floor(r() * advocate.qualifies.length)] as CandidateType;
      const start = Math.max(latest.answeredAt.getTime(), (advocate.liveAt as Date).getTime());
      const sentAt = new Date(start + (2 + r() * 60) * DAY_MS);
      if (sentAt.getTime() > now.getTime() - DAY_MS || budgetClearAt(contact._id, deal.accountId, type, sentAt)) continue;

      // Where the ask stands today: open while young, then answered, declined or silent.
      const askId = objectIdFrom(`seed-ask:${idKey(advocate._id)}`);
      const channel = r() < 0.8 ? 'email' : 'phone';
      const age = (now.getTime() - sentAt.getTime()) / DAY_MS;
      const roll = r();
      const path: AskStatus[] =
        age < config.noResponseDays
          ? roll < 0.55
            ? ['sent']
            : roll < 0.8
              ? ['sent', 'accepted']
              : roll < 0.9
                ? ['sent', 'declined']
                : ['sent', 'accepted', 'completed']
          : roll < 0.35
            ? ['sent', 'accepted', 'completed']
            : roll < 0.45
              ? ['sent', 'accepted']
              : roll < 0.62
                ? ['sent', 'declined']
                : roll < 0.7
                  ? ['sent', 'completed']
                  : ['sent', 'no_response'];
      const history = path.map((status, i) => {
        if (i === 0) return { status, at: sentAt, ...by, note: channel === 'phone' ? 'Asked by phone' : 'Email queued' };
        if (status === 'no_response') return { status, at: plusDays(sentAt, config.noResponseDays), byName: 'Kept', note: `No answer after ${config.noResponseDays} days` };
        const at = new Date(Math.min(now.getTime() - 60_000, sentAt.getTime() + (i * 3 + r() * Math.min(age, 20)) * DAY_MS));
        const note = status === 'declined' ? OUTCOME_NOTES.declined[Math.floor(r() * 3)] : status === 'accepted' ? OUTCOME_NOTES.accepted[Math.floor(r() * 2)] : '';
        return { status, at, ...by, note };
      });
      // Later steps never precede earlier ones.
      for (let i = 1; i < history.length; i++) if (history[i].at < history[i - 1].at) history[i].at = history[i - 1].at;
      const status = path[path.length - 1];
      const respondedAt = history.find((h) => h.status !== 'sent' && h.status !== 'no_response')?.at;
      const completedAt = status === 'completed' ? history[history.length - 1].at : undefined;

      const slotIds: string[] = [];
      for (const [scope, ownerId] of [
        ['contact', contact._id],
        ['account', deal.accountId],
      ] as const) {
        const key = `${scope}:${idKey(ownerId)}`;
        const chain = slotsOf.get(key) ?? [];
        const slot = { _id: `${key}:${chain.length + 1}`, scope, ownerId: idKey(ownerId), n: chain.length + 1, at: sentAt, askId, type };
        slotsOf.set(key, [...chain, slot]);
        slots.push(slot);
        slotIds.push(slot._id);
      }

      let referralId: Types.ObjectId | undefined;
      let referredCompany: string | undefined;
      if (type === 'referral' && status === 'completed') {
        referralId = objectIdFrom(`referral:ask:${String(askId)}`);
        const createdAt = completedAt!;
        // A referral becomes a deal of this batch that closed after it, or stays open, or is lost.
        const fate = r();
        const won =
          fate < 0.3
            ? batch.deals.find(
                (d) =>
                  !d.referralId &&
                  !referredDeals.has(idKey(d._id)) &&
                  idKey(d.accountId) !== idKey(deal.accountId) &&
                  String(d.crmId).endsWith('-1') &&
                  d.closedWonAt.getTime() > createdAt.getTime() + 20 * DAY_MS &&
                  d.closedWonAt <= now,
              )
            : undefined;
        const target = won ? accountById.get(idKey(won.accountId))! : null;
        const referredContact = target ? primaryOf.get(idKey(target._id)) : null;
        referredCompany = target ? target.name : `Prospect of ${account.name}`;
        const estimatedArr = won ? Math.round((won.arr * (0.6 + r() * 0.7)) / 1000) * 1000 : 10_000 + Math.round(r() * 140) * 1000;
        const lost = !won && fate > 0.8 && now.getTime() - createdAt.getTime() > 60 * DAY_MS;
        const referral: Doc = {
          _id: referralId,
          advocateId: advocate._id,
          askId,
          advocateContactId: contact._id,
          advocateName: contact.name,
          advocateAccountId: deal.accountId,
          advocateAccountName: account.name,
          originDealId: deal._id,
          originDealName: deal.name,
          aeId: deal.aeId,
          referredCompany,
          ...(target ? { referredDomain: target.domain } : {}),
          ...(referredContact ? { referredContactName: referredContact.name, referredContactEmail: referredContact.email } : {}),
          estimatedArr,
          currency: deal.currency ?? 'USD',
          note: '',
          status: won ? 'won' : lost ? 'lost' : 'open',
          createdById: marketing._id,
          rev: 0,
          createdAt,
          updatedAt: createdAt,
          __v: 0,
        };
        if (won) {
          // The referred company's deal points back at the referral (written with this batch's deals).
          won.referralId = referralId;
          referredDeals.add(idKey(won._id));
          Object.assign(referral, {
            newDealId: won._id,
            newDealName: won.name,
            newDealArr: won.arr,
            newDealCurrency: won.currency,
            newDealAeId: won.aeId,
            newDealClosedWonAt: won.closedWonAt,
            linkedAt: won.closedWonAt,
            linkedVia: 'seed',
            updatedAt: won.closedWonAt,
          });
          // The two claims linkReferralToDeal holds: one deal per referral, one referral per deal.
          claims.push({ key: `referral:${String(referralId)}:deal`, owner: 'seed', at: won.closedWonAt, data: { dealId: String(won._id) } });
          claims.push({ key: `deal:${String(won._id)}:referral`, owner: 'seed', at: won.closedWonAt, data: { referralId: String(referralId) } });
        }
        referrals.push(referral);
      }
      const outcome: Doc =
        status !== 'completed'
          ? {}
          : type === 'reference'
            ? { referenceDate: new Date(`${completedAt!.toISOString().slice(0, 10)}T00:00:00.000Z`) }
            : type === 'case_study'
              ? { caseStudyUrl: `https://kept.example/customers/${String(account.domain).replace(/\.example$/, '')}` }
              : { referredCompany, referralId };
      asks.push({
        _id: askId,
        type,
        channel,
        status,
        contactId: contact._id,
        contactName: contact.name,
        contactEmail: contact.email,
        accountId: deal.accountId,
        accountName: account.name,
        advocateId: advocate._id,
        dealId: deal._id,
        aeId: deal.aeId,
        incentive: '',
        message: '',
        sentAt,
        dueBy: plusDays(sentAt, config.noResponseDays),
        ...(respondedAt ? { respondedAt } : {}),
        ...(completedAt ? { completedAt } : {}),
        ...outcome,
        outcomeNote: history.length > 1 ? (history[history.length - 1].note ?? '') : '',
        ...(channel === 'email' ? { emailKey: `ask:${String(askId)}` } : {}),
        slotIds,
        history,
        createdById: marketing._id,
        createdByName: marketing.name,
        rev: 0,
        createdAt: sentAt,
        updatedAt: history[history.length - 1].at,
        __v: 0,
      });
    }
    // Each advocate's budget as of today, with the asks above (what refreshAdvocacyForDeal stores).
    // As the refresh does: only a candidate has a budget to wait for (app/advocacy/refresh.server.ts).
    for (const a of advocates) a.budgetClearAt = a.qualifies.length ? budgetClearAt(a.contactId, a.accountId, a.qualifies[0] as CandidateType, now) : null;
    const cases = recoveryCasesOf(responses, { deals: batch.deals, accountById, journeyOf, now });
    rollups.recovery(cases);
    await rollups.journeys(batch.journeys);
    rollups.deals(batch.deals, accountById);
    rollups.surveys(surveys, responses, batch.deals);
    rollups.advocacy(advocates, asks, referrals);

    return async () => {
      const write = async (into: Counts, model: Parameters<typeof insertIgnoringDuplicates>[0], docs: Doc[]) => {
        const inserted = await insertIgnoringDuplicates(model, docs);
        into.inserted += inserted.size;
        into.existing += docs.length - inserted.size;
      };
      await write(totals.surveys, Survey, surveys);
      await write(totals.responses, SurveyResponse, responses);
      await write(totals.advocates, Advocate, advocates);
      await insertIgnoringDuplicates(AskBudgetSlot, slots);
      await write(totals.asks, Ask, asks);
      await write(totals.referrals, Referral, referrals);
      await insertIgnoringDuplicates(RecoveryCase, cases);
      await recordClaims(claims);
    };
  };
}

/**
 * Writes the scale data set for `accounts` accounts (see the top of this file) and rebuilds every
 * rollup in bulk. Idempotent: a second run inserts nothing and leaves the rollups as they were.
 */
export async function seedScaleData({
  accounts,
  seed,
  now = new Date(),
  log = () => undefined,
  progress,
  nodeEnv = process.env.NODE_ENV,
}: {
  accounts: number;
  seed: number | string;
  now?: Date;
  log?: (line: string) => void;
  progress?: (done: number, total: number) => void;
  nodeEnv?: string;
}): Promise<ScaleSeedSummary> {
  assertSeedAllowed(nodeEnv);
  const zero = () => ({ inserted: 0, existing: 0 });
  const totals = { surveys: zero(), responses: zero(), advocates: zero(), asks: zero(), referrals: zero() };
  const rollups = rollupTotals();
  // A finished run is recorded; running it again is a no-op (the bench reuses the data set).
  const doneKey = `seed:scale:${normalizeSeed(seed)}:${accounts}`;
  const done = await getClaim(doneKey);
  if (done) {
    log(`  the scale data set for ${accounts.toLocaleString('en-US')} accounts (seed ${seed}) is already there (${done.at.toISOString()}): nothing to add`);
    return { ...(done.data as ScaleSeedSummary), skipped: true };
  }
  const startedEmpty = (await Deal.exists({})) === null;
  const summary = await seedDemoData({ accounts, seed, now, log, progress, nodeEnv, extend: scaleBatch({ seed: normalizeSeed(seed), totals, rollups }) });
  const started = Date.now();
  // The sums in memory are exact only if this run wrote every document there is.
  const wroteAll = startedEmpty && [summary.accounts, summary.contacts, summary.deals, summary.journeys, ...Object.values(totals)].every((c) => c.existing === 0);
  log(wroteAll ? '  rollups: writing the sums of what was seeded...' : '  rollups: documents from an earlier run found, rebuilding every metric from the database...');
  const parts = wroteAll
    ? [{ part: 'seeded', ms: 0, rows: await rollups.write(now) }]
    : (await withBulkMetrics(() => rebuildAllMetrics({ now }))).map((r) => ({ part: r.part, ms: r.ms }));
  const result: ScaleSeedSummary = { ...summary, ...totals, rollups: { ms: Date.now() - started, parts }, ms: summary.ms + (Date.now() - started), skipped: false };
  await claimOnce({ key: doneKey, owner: 'seed', now, data: { ...result } });
  return result;
}
