/** Layout state: which side panel is open, and whether we are on a phone-sized screen. */
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
 * The side bar's tabs for a role: a grid member starts on their own area (which holds the report
 * button); a unit's staff start on their incident inbox; centre staff get incidents, rules and people.
 */
export function sidebarTabs(role: string | undefined): Array<{ key: SidebarTab; label: (typeof TAB_LABELS)[SidebarTab]; icon: (typeof TAB_ICONS)[SidebarTab] }> {
  const keys: SidebarTab[] = role === 'grid_member' ? ['mine', 'regions', 'layers']
    : role === 'unit_staff' ? ['incidents', 'regions', 'layers']
    : !role ? ['regions', 'layers'] : ['regions', 'incidents', 'layers', 'rules', 'people'];
  return keys.map((key) => ({ key, label: TAB_LABELS[key], icon: TAB_ICONS[key] }));
}
