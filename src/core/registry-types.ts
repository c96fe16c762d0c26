/** What a schema registry holds, as data: the client (src/registry) reads it, planning (src/core) reasons about it. */
export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

export interface SubjectVersion {
  subject: string;
  version: number;
  id: number;
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
}
