import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallerAssertionSigner, CallerAssertionVerifier } from '@switchboard/caller-assertion';
import { ConnectTicketError, ConnectTickets } from './connect-tickets.ts';

const secret = 'k'.repeat(40);

describe('connect tickets', () => {
  it('name the key, verify under rotation, and expire', async () => {
    const tickets = new ConnectTickets({ secrets: [secret], server: 'gmail' });
    const ticket = await tickets.mint('key_a');
    assert.equal(
      (await new ConnectTickets({ secrets: ['n'.repeat(40), secret], server: 'gmail' }).verify(ticket)).keyId,
      'key_a',
    );
    const short = new ConnectTickets({ secrets: [secret], server: 'gmail', ttlS: 1 });
    const expiring = await short.mint('key_a');
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await assert.rejects(short.verify(expiring), /expired/);
  });

  it("cannot pass for a caller assertion or another server's ticket, and vice versa", async () => {
    const gmail = new ConnectTickets({ secrets: [secret], server: 'gmail' });
    const ticket = await gmail.mint('key_a');
    await assert.rejects(new ConnectTickets({ secrets: [secret], server: 'drive' }).verify(ticket), ConnectTicketError);
    await assert.rejects(
      new CallerAssertionVerifier({ secrets: [secret], audience: 'gmail' }).verify(`Bearer ${ticket}`),
    );
    const assertion = await new CallerAssertionSigner({ secrets: [secret] }).sign(
      { keyId: 'key_a', scopes: [] },
      'gmail-connect',
    );
    await assert.rejects(gmail.verify(assertion), ConnectTicketError);
  });
});
