import { describe, expect, it } from 'vitest';
import { loadFleet } from '../../../fleet/load/index.js';
import type { Fleet } from '../../../fleet/model.js';
import { fleetFiles, type FleetManifests, snapshot, validFleetManifests } from '../../../test/fleet-fixtures.js';
import { formatMoney } from './money.js';
import { chosenModules, offerOf, type PlanOffer, toggle } from './offer.js';

function fleetWith(edit: (m: FleetManifests) => void = () => undefined): Fleet {
  const m = validFleetManifests();
  edit(m);
  const loaded = loadFleet(snapshot(fleetFiles(m)));
  if (!loaded.ok) throw new Error(`fixture does not load: ${JSON.stringify(loaded.issues.slice(0, 3))}`);
  return loaded.fleet;
}

const release = (requires: Record<string, string> = {}) => ({ '1.0.0': { image: 'ghcr.io/acme/x:1.0.0', requires, releasedAt: '2026-01-01T00:00:00Z' } });

/** core 1.1.0 and welcome (needs core >=1.1), plus: polls; shop-stats (needs shop); shop; legacy (needs core <1.1, never met); orphan (needs a module nobody released). */
const rich = fleetWith((m) => {
  m.catalog.polls = { name: 'polls', title: { en: 'Polls', ru: 'Опросы' }, description: { en: 'Ask your chats.' }, versions: release() };
  m.catalog.shop = { name: 'shop', title: { en: 'Shop' }, versions: release({ core: '>=1.0' }) };
  m.catalog['shop-stats'] = { name: 'shop-stats', title: { en: 'Shop stats' }, versions: release({ shop: '^1' }) };
  m.catalog.legacy = { name: 'legacy', title: { en: 'Legacy' }, versions: release({ core: '<1.1' }) };
  m.catalog.orphan = { name: 'orphan', title: { en: 'Orphan' }, versions: release({ ghost: '^1' }) };
  m.catalog.chained = { name: 'chained', title: { en: 'Chained' }, versions: release({ legacy: '^1' }) };
});

describe('offerOf', () => {
  it('offers payable plans, core at its newest version, and only modules whose requirements can be met', () => {
    const offer = offerOf(rich, true);
    expect(offer.plans.map((p) => [p.name, p.title, p.price.amount, p.maxModules, p.stripePriceId])).toEqual([
      ['basic', 'Basic', 500, 3, 'price_basic123'],
      ['pro', 'Pro', 2000, 10, undefined],
    ]);
    expect(offer.core?.version).toBe('1.1.0');
    // legacy needs an older core, orphan a module that does not exist, chained needs legacy.
    expect(offer.modules.map((m) => m.name)).toEqual(['polls', 'shop', 'shop-stats', 'welcome']);
    expect(offer.manual).toEqual({ enabled: true, instructions: 'Pay by bank transfer.' });
  });

  it('sells nothing when the multi-bot cannot run on its own', () => {
    const needy = fleetWith((m) => {
      const v = m.catalog.core?.versions['1.1.0'];
      if (v) v.requires = { welcome: '^1' };
    });
    expect(offerOf(needy, true)).toMatchObject({ core: null, modules: [] });
  });

  it('leaves out plans nobody could pay for', () => {
    const noManual = fleetWith((m) => void (m.fleet.billing = { manualPayments: { enabled: false } }));
    expect(offerOf(noManual, true).plans.map((p) => p.name)).toEqual(['basic']);
    expect(offerOf(noManual, false).plans).toEqual([]);
  });
});

describe('toggle', () => {
  const offer = offerOf(rich, true);
  const basic = offer.plans.find((p) => p.name === 'basic') as PlanOffer;
  const pro = offer.plans.find((p) => p.name === 'pro') as PlanOffer;

  it('switches modules on and off, keeping the selection sorted', () => {
    const on = toggle(offer, pro, ['welcome'], 'polls');
    expect(on).toEqual({ ok: true, selected: ['polls', 'welcome'] });
    expect(toggle(offer, pro, ['polls', 'welcome'], 'polls')).toEqual({ ok: true, selected: ['welcome'] });
  });

  it("refuses with the reason: core, the plan's limit (core counted), missing and needed requirements, unknown modules", () => {
    expect(toggle(offer, basic, [], 'core')).toEqual({ ok: false, reason: 'core' });
    expect(toggle(offer, basic, ['polls', 'welcome'], 'shop')).toEqual({ ok: false, reason: 'limit', max: 3 });
    expect(toggle(offer, pro, [], 'shop-stats')).toEqual({ ok: false, reason: 'needs', missing: ['shop'] });
    expect(toggle(offer, pro, ['shop', 'shop-stats'], 'shop')).toEqual({ ok: false, reason: 'needed_by', by: ['shop-stats'] });
    expect(toggle(offer, pro, [], 'legacy')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('pins the chosen modules, core first, and finds no conflict in what toggle allowed', () => {
    expect(chosenModules(offer, ['shop', 'shop-stats'])).toEqual({
      modules: [
        { name: 'core', version: '1.1.0' },
        { name: 'shop', version: '1.0.0' },
        { name: 'shop-stats', version: '1.0.0' },
      ],
    });
    expect(chosenModules(offer, ['shop-stats'])).toEqual({ problem: 'shop-stats@1.0.0 requires shop ^1, which is not installed' });
  });
});

describe('formatMoney', () => {
  it('formats minor units in the currency and language', () => {
    expect(formatMoney({ amount: 500, currency: 'usd' }, 'en')).toBe('$5.00');
    expect(formatMoney({ amount: 500, currency: 'usd' }, 'ru')).toBe('5,00\u00a0$');
    expect(formatMoney({ amount: 500, currency: 'jpy' }, 'en')).toBe('¥500');
  });
});
