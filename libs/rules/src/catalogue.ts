import type { ModuleType } from '@flowline/contracts';
import { crmModule } from './modules/crm-module.ts';
import { salesModule } from './modules/sales-module.ts';
import type { ModuleDefinition, TriggerDefinition } from './modules/trigger-definition.ts';

/** One place to ask the management modules what they offer. */
export class Catalogue {
  readonly #modules: ReadonlyMap<ModuleType, ModuleDefinition>;
  readonly #triggers: ReadonlyMap<string, TriggerDefinition>;

  constructor(modules: readonly ModuleDefinition[]) {
    this.#modules = new Map(modules.map((m) => [m.module_type, m]));
    this.#triggers = new Map(modules.flatMap((m) => m.triggers.map((t) => [t.id, t] as const)));
  }

  module(moduleType: ModuleType): ModuleDefinition | undefined {
    return this.#modules.get(moduleType);
  }

  trigger(triggerId: string): TriggerDefinition | undefined {
    return this.#triggers.get(triggerId);
  }

  triggers(moduleType?: ModuleType): TriggerDefinition[] {
    const modules = moduleType ? [this.#modules.get(moduleType)].filter((m) => m !== undefined) : [...this.#modules.values()];
    return modules.flatMap((m) => m.triggers);
  }
}

export const catalogue = new Catalogue([crmModule, salesModule]);
