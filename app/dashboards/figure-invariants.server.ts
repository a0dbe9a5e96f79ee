// The bounds every leadership figure must respect, checked against the stored documents and the
// rollups the dashboards read (docs/figures.md). A history the real code could have produced never
// breaks one; the invariants test runs them over the demo data and the 1k scale data.
import { Survey } from '#models/survey';
import { SurveyResponse } from '#models/survey-response';
import { trusted } from '#app/platform/db.server';
import { readMetrics } from '#app/platform/metrics.server';
import { SURVEY_METRICS } from '#app/surveys/surveys.server';
import { sumCounts, type Counts } from '#app/dashboards/metrics-math';
import { RECOVERY_METRIC } from '#app/dashboards/recovery-metrics.server';

export type FigureViolation = { figure: string; where: string; detail: string };

// The breakdowns the value page shows a response rate for.
const FUNNEL_GROUPS = ['wave', 'cohort', 'rep', 'segment'] as const;

function groupBy(rows: { dims: Record<string, string>; counts: Counts }[], dim: string) {
  const groups = new Map<string, { counts: Counts }[]>();
  for (const row of rows) {
    const key = row.dims[dim] ?? '';
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.entries()].map(([key, group]) => ({ key, counts: sumCounts(group) }));
}

const share = (num: number, den: number) => (den > 0 ? num / den : null);
const outside = (value: number | null) => value !== null && (value < -1e-9 || value > 1 + 1e-9);

/** Every broken bound of the survey figures (answers, funnel, promises); empty when all hold. */
export async function checkFigureInvariants(): Promise<FigureViolation[]> {
  const violations: FigureViolation[] = [];
  const broken = (figure: string, where: string, detail: string) => violations.push({ figure, where, detail });

  // Every answer belongs to a survey that was invited (its first invitation went out) and is answered.
  const responses = await SurveyResponse.find({}).select('_id').lean();
  const ids = responses.map((r) => r._id);
  const surveys = new Map<string, { invitedAt?: Date | null; state: string }>();
  for (let i = 0; i < ids.length; i += 1000) {
    for (const s of await Survey.find({ _id: trusted({ $in: ids.slice(i, i + 1000) }) })
      .select('invitedAt state')
      .lean())
      surveys.set(String(s._id), s);
  }
  for (const id of ids) {
    const survey = surveys.get(String(id));
    if (!survey) broken('answer', String(id), 'no survey');
    else if (!survey.invitedAt) broken('answer', String(id), `survey never invited (state ${survey.state})`);
    else if (survey.state !== 'answered') broken('answer', String(id), `survey is ${survey.state}, not answered`);
  }

  // Response rate = answered / invited, within 0-100 % overall and per wave, cohort, rep and segment.
  const funnel = await readMetrics(SURVEY_METRICS.funnel);
  for (const dim of ['all', ...FUNNEL_GROUPS]) {
    for (const { key, counts } of dim === 'all' ? [{ key: 'all', counts: sumCounts(funnel) }] : groupBy(funnel, dim)) {
      const answered = counts.answered ?? 0;
      const invited = counts.invited ?? 0;
      if (answered > invited || answered < 0) broken('response rate', `${dim}=${key}`, `${answered} answered of ${invited} invited`);
    }
  }

  // Value delivered and NPS parts: each a share of the answers of its group.
  const answers = await readMetrics(SURVEY_METRICS.answer);
  for (const dim of ['all', ...FUNNEL_GROUPS]) {
    for (const { key, counts } of dim === 'all' ? [{ key: 'all', counts: sumCounts(answers) }] : groupBy(answers, dim)) {
      const answered = counts.answered ?? 0;
      const parts = (counts.valueYes ?? 0) + (counts.valuePartly ?? 0) + (counts.valueNo ?? 0);
      if (Math.abs(parts - answered) > 1e-9) broken('value delivered', `${dim}=${key}`, `yes + partly + no = ${parts}, answered ${answered}`);
      for (const name of ['valueYes', 'valueScore', 'npsPromoters', 'npsDetractors', 'consentReference', 'consentCaseStudy', 'consentReferral']) {
        if (outside(share(counts[name] ?? 0, answered))) broken(name, `${dim}=${key}`, `${counts[name]} of ${answered} answers`);
      }
    }
  }

  // Promise kept = (delivered + half partly) / promises judged.
  const promises = await readMetrics(SURVEY_METRICS.promise);
  for (const dim of ['all', 'category', ...FUNNEL_GROUPS]) {
    for (const { key, counts } of dim === 'all' ? [{ key: 'all', counts: sumCounts(promises) }] : groupBy(promises, dim)) {
      const judged = counts.promises ?? 0;
      const parts = (counts.delivered ?? 0) + (counts.partly ?? 0) + (counts.notYet ?? 0);
      if (Math.abs(parts - judged) > 1e-9) broken('promise kept', `${dim}=${key}`, `delivered + partly + not yet = ${parts}, judged ${judged}`);
      if (outside(share(counts.keptScore ?? 0, judged))) broken('promise kept', `${dim}=${key}`, `score ${counts.keptScore} of ${judged} promises`);
    }
  }

  // The headline (survey.quarter): the same answers and promises as survey.answer and
  // survey.promise, per wave, cohort, rep and segment, recounted by the quarter answered; each
  // quarter's shares and the ARR-weighted share (per currency) within 0-100 %.
  const quarters = await readMetrics(SURVEY_METRICS.quarter);
  for (const dim of ['all', ...FUNNEL_GROUPS]) {
    const mine = new Map((dim === 'all' ? [{ key: 'all', counts: sumCounts(quarters) }] : groupBy(quarters, dim)).map((g) => [g.key, g.counts]));
    const ofAnswers = new Map((dim === 'all' ? [{ key: 'all', counts: sumCounts(answers) }] : groupBy(answers, dim)).map((g) => [g.key, g.counts]));
    const ofPromises = new Map((dim === 'all' ? [{ key: 'all', counts: sumCounts(promises) }] : groupBy(promises, dim)).map((g) => [g.key, g.counts]));
    for (const key of new Set([...mine.keys(), ...ofAnswers.keys(), ...ofPromises.keys()])) {
      const q = mine.get(key) ?? {};
      for (const [name, other] of [
        ['answered', ofAnswers],
        ['valueYes', ofAnswers],
        ['promises', ofPromises],
        ['keptScore', ofPromises],
      ] as const) {
        const theirs = other.get(key)?.[name] ?? 0;
        if (Math.abs((q[name] ?? 0) - theirs) > 1e-6)
          broken('headline', `${dim}=${key}`, `${name} ${q[name] ?? 0} by quarter answered, ${theirs} in ${other === ofAnswers ? SURVEY_METRICS.answer : SURVEY_METRICS.promise}`);
      }
    }
  }
  for (const dim of ['quarter', 'currency']) {
    for (const { key, counts } of groupBy(quarters, dim)) {
      if (outside(share(counts.valueYes ?? 0, counts.answered ?? 0))) broken('headline value', `${dim}=${key}`, `${counts.valueYes} yes of ${counts.answered} answers`);
      if (outside(share(counts.keptScore ?? 0, counts.promises ?? 0))) broken('headline promises', `${dim}=${key}`, `score ${counts.keptScore} of ${counts.promises} promises`);
      if (dim === 'currency' && outside(share(counts.arrYes ?? 0, counts.arr ?? 0)))
        broken('ARR-weighted value', `${dim}=${key}`, `${counts.arrYes} of ${counts.arr} ARR answered`);
    }
  }
  // Recovery (docs/work-queue.md): closed = delivered + won't deliver <= opened; the recovery rate,
  // the share of broken promises recovered and the promise-kept share after recovery within 0-100 %.
  const recovery = await readMetrics(RECOVERY_METRIC);
  for (const dim of ['all', 'rep', 'csm', 'category', 'cohort']) {
    for (const { key, counts } of dim === 'all' ? [{ key: 'all', counts: sumCounts(recovery) }] : groupBy(recovery, dim)) {
      const [opened, closed, delivered, wont] = [counts.opened ?? 0, counts.closed ?? 0, counts.delivered ?? 0, counts.wontDeliver ?? 0];
      if (Math.abs(delivered + wont - closed) > 1e-9) broken('recovery rate', `${dim}=${key}`, `delivered + won't deliver = ${delivered + wont}, closed ${closed}`);
      if (closed > opened) broken('recovery rate', `${dim}=${key}`, `${closed} closed of ${opened} opened`);
      if (outside(share(delivered, closed))) broken('recovery rate', `${dim}=${key}`, `${delivered} delivered of ${closed} closed`);
    }
  }
  const promiseCases = sumCounts(recovery.filter((r) => r.dims.scope === 'promise'));
  if (outside(share(promiseCases.delivered ?? 0, promiseCases.opened ?? 0)))
    broken('promises recovered', 'all', `${promiseCases.delivered} delivered of ${promiseCases.opened} promise cases`);
  const judged = sumCounts(promises);
  if (outside(share((judged.keptScore ?? 0) + (promiseCases.keptGain ?? 0), judged.promises ?? 0)))
    broken('promise kept after recovery', 'all', `score ${judged.keptScore} + recovered ${promiseCases.keptGain} of ${judged.promises} promises`);
  return violations;
}
