/** Short messages over the map: what an action did, or why it failed. */
export type ToastKind = 'info' | 'success' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

class Toasts {
  items = $state.raw<Toast[]>([]);
  #next = 1;

  /** Shows a message for `ms` milliseconds (errors stay longer by default). */
  show(text: string, kind: ToastKind = 'info', ms = kind === 'error' ? 8000 : 4500): void {
    const toast = { id: this.#next++, kind, text };
    this.items = [...this.items.slice(-3), toast];
    setTimeout(() => this.dismiss(toast.id), ms);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
