/** Generator version; stamped into generated code. Kept equal to generator/package.json by a test. */
export const VERSION = '0.1.0';
