import { describe, expect, it } from 'vitest';
import { ApiError } from './api.ts';
import { issuesOf, issuesOfParse, splitIssues } from './form-errors.ts';

describe('splitIssues', () => {
  it('places the first message of each input and keeps the rest apart', () => {
    const issues = [
      { field: 'name', rule: 'required', message: 'is required' },
      { field: 'name', rule: 'max', message: 'is too long' },
      { field: 'content.email.subject', rule: 'liquid', message: 'does not parse' },
      { field: 'nowhere', rule: 'x', message: 'no input for this' },
      { field: '', rule: 'y', message: 'about the whole request' },
    ];
    const mapField = (field: string) => (field === 'nowhere' ? null : field);
    expect(splitIssues(issues, mapField)).toEqual({
      fieldErrors: { name: 'is required', 'content.email.subject': 'does not parse' },
      unplaced: [issues[3], issues[4]],
    });
  });
});

describe('issuesOfParse', () => {
  it('names fields with dotted paths', () => {
    expect(issuesOfParse([{ path: ['timing', 'days', 0], code: 'too_small', message: 'weekdays are 1 to 7' }])).toEqual([
      { field: 'timing.days.0', rule: 'too_small', message: 'weekdays are 1 to 7' },
    ]);
  });
});

describe('issuesOf', () => {
  it('reads the issues of an API error and nothing of other errors', () => {
    const issue = { field: 'email', rule: 'unique', message: 'is already taken' };
    expect(issuesOf(new ApiError(409, 'conflict', 'taken', [issue]))).toEqual([issue]);
    expect(issuesOf(new Error('boom'))).toEqual([]);
  });
});
