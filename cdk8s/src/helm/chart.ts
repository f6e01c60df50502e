import { renderExtras } from './extras';
import { renderTemplates } from './templates';
import { renderValueFiles } from './values-files';

/** Every generated file of charts/medlives, relative to the chart directory. */
export function renderChart(): Map<string, string> {
  return new Map([...renderValueFiles(), ...renderTemplates(), ...renderExtras()]);
}
