export {
  BLOTATO_DOCUMENTED_LIMITS,
  DEFAULT_FAKE_ACCOUNTS,
  FAKE_BLOTATO_API_KEY,
  type FakeAccount,
  type FakeBlotato,
  type FakeBlotatoOptions,
  type FakeBlotatoState,
  type FakeMode,
  type FakePost,
  type FakeRoute,
  type FakeVisual,
  startFakeBlotato,
} from './fake-blotato.ts';
