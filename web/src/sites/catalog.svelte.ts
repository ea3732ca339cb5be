/** Site categories from the server (names in both languages, colours, icons, attribute schemas). */
import { api, call } from '../lib/api';
import type { SiteCategory } from '../lib/shapes';
import { siteIconUrl } from '../map/icons';

class SiteCatalog {
  categories = $state.raw<SiteCategory[]>([]);
  loaded = $state(false);
  #icons = new Map<string, string>();

  async load(): Promise<void> {
    try {
      this.categories = (await call(api['site-categories'].$get())).items;
    } catch {
      // The map still works without categories: sites are drawn with a neutral symbol.
      this.categories = [];
    } finally {
      this.loaded = true;
    }
  }

  get(code: string): SiteCategory | undefined {
    return this.categories.find((c) => c.code === code);
  }

  /** A data: URL of the category's map symbol, for lists and legends. */
  icon(code: string): string {
    let url = this.#icons.get(code);
    if (!url) {
      url = siteIconUrl(this.get(code) ?? { code, color: '#667085' });
      this.#icons.set(code, url);
    }
    return url;
  }
}

export const catalog = new SiteCatalog();
