import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, SETTINGS_SPEC, SettingsError, validateSettings } from '../../../src/engine/settings';
import { REPO_ROOT } from '../../support/testAssets';

interface Property {
  default: unknown;
  description: string;
  minimum?: number;
  maximum?: number;
}

describe('settings', () => {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const properties: Record<string, Property> = manifest.contributes.configuration.properties;

  it('declares every setting in package.json with the same default and description', () => {
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(SETTINGS_SPEC).map((k) => `inhouse.${k}`).sort());
    for (const [key, spec] of Object.entries(SETTINGS_SPEC)) {
      const prop = properties[`inhouse.${key}`];
      assert.deepEqual(prop.default, spec.default, key);
      assert.equal(prop.description, spec.description, key);
    }
  });

  it('accepts the manifest bounds and rejects values just outside them', () => {
    for (const [key, prop] of Object.entries(properties)) {
      const name = key.slice('inhouse.'.length);
      if (prop.minimum === undefined || prop.maximum === undefined) continue;
      assert.equal(validateSettings({ [name]: prop.minimum })[name as keyof typeof DEFAULTS], prop.minimum);
      assert.equal(validateSettings({ [name]: prop.maximum })[name as keyof typeof DEFAULTS], prop.maximum);
      assert.throws(() => validateSettings({ [name]: prop.minimum! - 1 }), SettingsError);
      assert.throws(() => validateSettings({ [name]: prop.maximum! + 1 }), SettingsError);
    }
  });

  it('names the setting and the expected type in its error', () => {
    assert.throws(() => validateSettings({ 'index.maxFileBytes': 'big' }), /inhouse\.index\.maxFileBytes must be an integer/);
    assert.throws(() => validateSettings({ 'index.exclude': [1] }), /inhouse\.index\.exclude must be a list of strings/);
    assert.throws(() => validateSettings({ libraries: { acme: 3 } }), /inhouse\.libraries must be an object/);
  });

  it('overlays given values on the defaults and ignores unknown keys', () => {
    const s = validateSettings({ 'index.maxChunkLines': 80, 'not.a.setting': true });
    assert.equal(s['index.maxChunkLines'], 80);
    assert.equal(s['index.maxFileBytes'], DEFAULTS['index.maxFileBytes']);
    assert.ok(!('not.a.setting' in s));
  });
});
