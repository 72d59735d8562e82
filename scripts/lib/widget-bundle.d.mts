// Types of scripts/lib/widget-bundle.mjs.
export declare const WIDGET_BUNDLE: string;
export declare function buildWidgetBundle(): string;
export declare function ensureWidgetBundle(): boolean;
