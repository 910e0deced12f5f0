// The control client in one import (commands and dinit-monitor use this).

export * from './control-client';
export type { StatusFormat, StatusInfo, StatusDetails } from '../protocol/status';
export { statusDetails } from '../protocol/status';
