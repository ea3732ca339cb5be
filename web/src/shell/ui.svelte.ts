/** Layout state: which side panel is open, and whether we are on a phone-sized screen. */
import type { Capabilities } from '../../../server/auth/capabilities';

/** mine: a grid member's own area; people: directory and staffing; rules: the spatial rules; incidents: queue, inbox, list. */
export type SidebarTab = 'mine' | 'regions' | 'layers' | 'people' | 'rules' | 'incidents';

const PHONE_QUERY = '(max-width: 720px)';

class Ui {
  phone = $state(typeof matchMedia !== 'undefined' && matchMedia(PHONE_QUERY).matches);
  /** Desktop: the left side bar is shown. Phone: the regions/layers sheet is shown. */
  sidebarOpen = $state(true);
  tab = $state<SidebarTab>('regions');
  settingsOpen = $state(false);
  /** The audit log dialog (administrators). */
  auditOpen = $state(false);

  constructor() {
    if (typeof matchMedia === 'undefined') return;
    const mq = matchMedia(PHONE_QUERY);
    this.sidebarOpen = !mq.matches;
    mq.addEventListener('change', (e) => {
      this.phone = e.matches;
      this.sidebarOpen = !e.matches;
    });
  }

  /** On a phone, opening one sheet closes the other. */
  openTab(tab: SidebarTab): void {
    if (this.phone && this.sidebarOpen && this.tab === tab) {
      this.sidebarOpen = false;
      return;
    }
    this.tab = tab;
    this.sidebarOpen = true;
  }
}

export const ui = new Ui();

const TAB_LABELS = { mine: 'tab.mine', regions: 'tab.regions', layers: 'tab.layers', people: 'tab.people', rules: 'tab.rules', incidents: 'tab.incidents' } as const;
const TAB_ICONS = { mine: 'home', regions: 'region', layers: 'layers', people: 'people', rules: 'alert', incidents: 'flag' } as const;

/**
 * The tab a user starts on: a grid member on their own area (it holds the report button and their
 * incidents), a unit's staff on their incident inbox; null: wherever they were (regions by default).
 */
export function startTab(may: Capabilities | undefined): SidebarTab | null {
  if (may?.myArea) return 'mine';
  if (may?.handleAsUnit) return 'incidents';
  return null;
}

/**
 * The side bar's tabs, from what the user may do: my area for those who have one (their incidents
 * are in it, so no incidents tab); the start tab first; rules and people for supervisors
 * (viewCompliance: the people tab holds patrol compliance).
 */
export function sidebarTabs(may: Capabilities | undefined): Array<{ key: SidebarTab; label: (typeof TAB_LABELS)[SidebarTab]; icon: (typeof TAB_ICONS)[SidebarTab] }> {
  const start = startTab(may);
  const keys: SidebarTab[] = !may ? ['regions', 'layers'] : [
    ...(start ? [start] : []), 'regions',
    ...(may.myArea || start === 'incidents' ? [] : ['incidents' as const]), 'layers',
    ...(may.viewCompliance ? ['rules' as const, 'people' as const] : []),
  ];
  return keys.map((key) => ({ key, label: TAB_LABELS[key], icon: TAB_ICONS[key] }));
}
