export { dbTime, parseDbTime } from '../util/time.ts';
