/** The user's base map choice (localStorage), falling back to the server's default from /api/config. */
import { loadJson, saveJson } from '../lib/storage';
import type { BasemapConfig } from '../lib/shapes';
import { choiceFromConfig, type BasemapChoice } from './basemap';

const STORAGE_KEY = 'pingan.basemap';

class BasemapSettings {
  /** null: follow the server default. */
  choice = $state<BasemapChoice | null>(loadJson<BasemapChoice>(STORAGE_KEY));
  serverDefault = $state<BasemapConfig>({ kind: 'none' });

  effective: BasemapChoice = $derived(this.choice ?? choiceFromConfig(this.serverDefault));

  save(choice: BasemapChoice | null): void {
    this.choice = choice;
    saveJson(STORAGE_KEY, choice);
  }
}

export const basemapSettings = new BasemapSettings();
