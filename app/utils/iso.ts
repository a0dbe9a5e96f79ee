/** A date as the ISO text loaders return (null stays null), so pages get exactly what JSON carries. */
export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
