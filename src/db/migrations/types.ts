import type { ColumnDataType, CreateTableBuilder, Expression, Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../connection.ts';

/** Column types that differ between SQLite and MySQL. */
export interface ColumnTypes {
  datetime: ColumnDataType | Expression<unknown>;
  longText: ColumnDataType | Expression<unknown>;
  float: ColumnDataType | Expression<unknown>;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  return dialect === 'mysql' ? { datetime: sql`datetime(6)`, longText: sql`mediumtext`, float: sql`double` } : { datetime: 'text', longText: 'text', float: 'real' };
}

/** One schema step. `up` must work on both dialects. */
export interface NovaMigration {
  readonly name: string;
  up(db: Kysely<unknown>, dialect: Dialect): Promise<void>;
}

/** Append InnoDB/utf8mb4 on MySQL. */
export function tableEnd<T extends string, C extends string>(b: CreateTableBuilder<T, C>, dialect: Dialect): CreateTableBuilder<T, C> {
  return dialect === 'mysql' ? b.modifyEnd(sql`engine=InnoDB default charset=utf8mb4`) : b;
}
