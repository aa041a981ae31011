/** Driving Mantine's inputs in the browser tests as a person does, where a plain `check()` cannot. */
import type { Locator } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Turns a Mantine switch on by clicking it: its label, which the track covering the hidden input
 * belongs to. Waits until the input reads checked.
 */
export async function switchOn(switchInput: Locator): Promise<void> {
  await switchInput.locator('xpath=ancestor::label[1]').click();
  await expect.poll(() => switchInput.isChecked()).toBe(true);
}
