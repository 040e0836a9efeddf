import { DEFAULT_LAYOUT } from '@reportline/contracts';

/**
 * Port: the sheet layout of a connection. The scheduler will store one per connection (a later issue); until then
 * every connection gets DEFAULT_LAYOUT. The answer is `unknown` on purpose: whatever a store returns is validated
 * against LayoutV1 by the processor, and a layout that does not validate fails the import (`layout-invalid`) instead
 * of writing a sheet nobody asked for.
 */
export interface LayoutSource {
  layoutOf(connectionId: string): Promise<unknown>;
}

export const defaultLayoutSource: LayoutSource = { layoutOf: async () => DEFAULT_LAYOUT };
