/**
 * Every migration Chroma has shipped (docs/format.md §2.3): MD5 of the exact SQL bytes, and
 * the tail of the SHA-256 digest for deployments that chose SHA-256.
 */
export interface KnownMigration {
  dir: 'sysdb' | 'metadb' | 'embeddings_queue';
  version: number;
  filename: string;
  md5: string;
  sha256Suffix: string;
  firstRelease: string;
}

export const MIGRATIONS: readonly KnownMigration[] = [
  { dir: 'sysdb', version: 1, filename: '00001-collections.sqlite.sql', md5: '38352d725ad1c16074fac420b22b4633', sha256Suffix: '55bd', firstRelease: '0.4.0' },
  { dir: 'sysdb', version: 2, filename: '00002-segments.sqlite.sql', md5: '2913cb6a503055a95f625448037e8912', sha256Suffix: '4a1c', firstRelease: '0.4.0' },
  { dir: 'sysdb', version: 3, filename: '00003-collection-dimension.sqlite.sql', md5: '42d22d0574d31d419c2a0e7f625c93aa', sha256Suffix: 'e8f3', firstRelease: '0.4.0' },
  { dir: 'sysdb', version: 4, filename: '00004-tenants-databases.sqlite.sql', md5: '048867ce8fcdefe4023c7110e4433591', sha256Suffix: '0dc3', firstRelease: '0.4.15' },
  { dir: 'sysdb', version: 5, filename: '00005-remove-topic.sqlite.sql', md5: 'b1367c826b8fba5f96f27befdc1d42d2', sha256Suffix: '7343', firstRelease: '0.5.0' },
  { dir: 'sysdb', version: 6, filename: '00006-collection-segment-metadata.sqlite.sql', md5: '4eea7468935bf25d4604a0fed2366116', sha256Suffix: 'a694', firstRelease: '0.5.1' },
  { dir: 'sysdb', version: 7, filename: '00007-collection-config.sqlite.sql', md5: '1c7e63bba346a42a18b6ab7f1c989bed', sha256Suffix: 'd5b9', firstRelease: '0.5.4' },
  { dir: 'sysdb', version: 8, filename: '00008-maintenance-log.sqlite.sql', md5: '0a0e7e93111a01789addf64961c6127c', sha256Suffix: '12ad', firstRelease: '0.5.6' },
  { dir: 'sysdb', version: 9, filename: '00009-segment-collection-not-null.sqlite.sql', md5: '054355aef9e63702bf54ea29e61563f1', sha256Suffix: 'c99e', firstRelease: '0.5.6' },
  { dir: 'sysdb', version: 10, filename: '00010-collection-schema.sqlite.sql', md5: '5c3a5ac4b79df76799b4721827ed5e1d', sha256Suffix: 'd5d6', firstRelease: '1.3.0' },
  { dir: 'metadb', version: 1, filename: '00001-embedding-metadata.sqlite.sql', md5: '2b4cf52c4bb2676e21d6860a4409f856', sha256Suffix: '2845', firstRelease: '0.4.1' },
  { dir: 'metadb', version: 2, filename: '00002-embedding-metadata.sqlite.sql', md5: '12a570f7121b3a8ce750a2a7c36da20f', sha256Suffix: '759b', firstRelease: '0.4.4' },
  { dir: 'metadb', version: 3, filename: '00003-full-text-tokenize.sqlite.sql', md5: 'f97ad6334aeaa8f419f01110b648b97a', sha256Suffix: 'dda4', firstRelease: '0.4.6' },
  { dir: 'metadb', version: 4, filename: '00004-metadata-indices.sqlite.sql', md5: 'fb36603a45ee2cd0254cef3ef86585e8', sha256Suffix: '8443', firstRelease: '0.5.6' },
  { dir: 'metadb', version: 5, filename: '00005-max-seq-id-int.sqlite.sql', md5: '0e9de46758761b373ce682925edcc326', sha256Suffix: '6e45', firstRelease: '1.0.0' },
  { dir: 'metadb', version: 6, filename: '00006-metadata-array-support.sqlite.sql', md5: 'e026f01ea92c1baa1493f4ad5ca7cfe7', sha256Suffix: 'd985', firstRelease: '1.5.0' },
  { dir: 'embeddings_queue', version: 1, filename: '00001-embeddings.sqlite.sql', md5: 'd3755dfd232be8e8301f4d7fcfb3a486', sha256Suffix: 'cf28', firstRelease: '0.4.0' },
  { dir: 'embeddings_queue', version: 2, filename: '00002-embeddings-queue-config.sqlite.sql', md5: '8fbfe4ffb3e57f1d8bfdc58510a82e85', sha256Suffix: '8fd9', firstRelease: '0.5.6' },
];

/** Chroma 0.4.0 shipped a different metadb/00001 that every later release rejects. */
export const METADB_00001_V040 = { md5: '70f0dbf83da2f428f30d78b7d994cbbb', sha256Suffix: '125c3f' } as const;

export function findMigration(dir: string, version: number): KnownMigration | undefined {
  return MIGRATIONS.find((m) => m.dir === dir && m.version === version);
}
