/** Layout state: which side panel is open, and whether we are on a phone-sized screen. */
const PHONE_QUERY = '(max-width: 720px)';

class Ui {
  phone = $state(typeof matchMedia !== 'undefined' && matchMedia(PHONE_QUERY).matches);
  /** Desktop: the left side bar is shown. Phone: the regions/layers sheet is shown. */
  sidebarOpen = $state(true);
  tab = $state<'regions' | 'layers' | 'rules'>('regions');
  settingsOpen = $state(false);

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
  openTab(tab: 'regions' | 'layers' | 'rules'): void {
    if (this.phone && this.sidebarOpen && this.tab === tab) {
      this.sidebarOpen = false;
      return;
    }
    this.tab = tab;
    this.sidebarOpen = true;
  }
}

export const ui = new Ui();
