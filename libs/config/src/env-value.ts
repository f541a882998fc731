import { z } from 'zod';

/** Compose files and k8s ConfigMaps often set a variable to '' to mean "not set". */
export const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
