/**
 * One dictionary per language; Simplified Chinese by default, English by choice (kept in localStorage).
 * `t()` reads the reactive language, so templates that call it update when the language changes.
 */
import { loadJson, saveJson } from '../lib/storage';
import { en } from './en';
import { zh, type MessageKey } from './zh';

export type Lang = 'zh' | 'en';
export type { MessageKey };

const STORAGE_KEY = 'pingan.lang';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { zh, en };

class I18n {
  lang = $state<Lang>(loadJson<Lang>(STORAGE_KEY) === 'en' ? 'en' : 'zh');

  constructor() {
    this.applyToDocument();
  }

  /** The message for `key`, with `{name}` placeholders filled from `vars`. */
  t = (key: MessageKey, vars?: Record<string, string | number>): string => {
    const text = dictionaries[this.lang][key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
  };

  /** Whether the current language has a message for `key` (keys built from server codes). */
  has = (key: string): key is MessageKey => key in dictionaries[this.lang];

  /** Picks the server-provided name for the current language (`name` is Chinese, `nameEn` English). */
  pick = (item: { name: string; nameEn?: string | null }): string =>
    this.lang === 'en' && item.nameEn ? item.nameEn : item.name;

  /** Locale for Intl number formatting. */
  get locale(): string {
    return this.lang === 'en' ? 'en-GB' : 'zh-CN';
  }

  setLang(lang: Lang): void {
    this.lang = lang;
    saveJson(STORAGE_KEY, lang);
    this.applyToDocument();
  }

  toggle(): void {
    this.setLang(this.lang === 'zh' ? 'en' : 'zh');
  }

  formatNumber = (n: number | null | undefined, digits = 0): string =>
    n === null || n === undefined || Number.isNaN(n)
      ? '—'
      : new Intl.NumberFormat(this.locale, { maximumFractionDigits: digits }).format(n);

  private applyToDocument(): void {
    if (typeof document === 'undefined') return;
    document.documentElement.lang = this.lang === 'en' ? 'en' : 'zh-CN';
    document.title = this.t('app.name');
  }
}

export const i18n = new I18n();
export const t = i18n.t;
