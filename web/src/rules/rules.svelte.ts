/** The inspector's rule check: which rule, its last run over the current region, the violation in focus. */
import { problemText } from '../lib/problem-text';
import { geometryBBox } from '../map/geo';
import { mapController } from '../map/map-controller.svelte';
import { selection } from '../panels/selection.svelte';
import { removeRuleLayers, setActiveViolation, setRuleRun } from './rule-layers';
import { type Rule, type RuleRun, type Violation, rulesApi } from './rules-api';

class RuleCheck {
  rules = $state.raw<Rule[]>([]);
  ruleId = $state<number | null>(null);
  run = $state.raw<RuleRun | null>(null);
  region = $state<string | null>(null);
  running = $state(false);
  error = $state<string | null>(null);
  active = $state<number | null>(null);
  #abort: AbortController | null = null;

  async load(): Promise<void> {
    if (this.rules.length) return;
    try {
      this.rules = (await rulesApi.list()).items.filter((r) => r.enabled);
      this.ruleId ??= this.rules[0]?.id ?? null;
    } catch (e) {
      this.error = problemText(e);
    }
  }

  get rule(): Rule | undefined {
    return this.rules.find((r) => r.id === this.ruleId);
  }

  /** Violations nearest first (a missing required target, without a distance, last). */
  get sorted(): Violation[] {
    return [...(this.run?.features ?? [])].sort((a, b) => (a.properties.distance_m ?? Infinity) - (b.properties.distance_m ?? Infinity));
  }

  async start(region: string, label: (d: number | null) => string): Promise<void> {
    if (this.ruleId === null) return;
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.running = true;
    this.error = null;
    this.active = null;
    try {
      const run = await rulesApi.run(this.ruleId, region, abort.signal);
      if (abort.signal.aborted) return;
      this.run = run;
      this.region = region;
      const map = mapController.map;
      if (map) setRuleRun(map, run, label);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      this.error = problemText(e);
    } finally {
      if (this.#abort === abort) this.running = false;
    }
  }

  /** Zooms to a violation (the line between the two sites, or the place) and opens the offending site. */
  open(v: Violation): void {
    const map = mapController.map;
    const id = Number(v.id);
    if (map) setActiveViolation(map, id, this.active);
    this.active = id;
    const bbox = geometryBBox(v.geometry as never);
    if (bbox) mapController.fitBBox(bbox, 17);
    void selection.select('site', v.properties.siteId);
  }

  clear(): void {
    this.#abort?.abort();
    this.run = null;
    this.active = null;
    const map = mapController.map;
    if (map) removeRuleLayers(map);
  }
}

export const ruleCheck = new RuleCheck();
