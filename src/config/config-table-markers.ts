/** Where README's generated configuration table begins and ends. */
export const CONFIG_TABLE_START = '<!-- config-table: written by `npm run docs:config` -->';
export const CONFIG_TABLE_END = '<!-- /config-table -->';
