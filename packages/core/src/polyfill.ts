// `Symbol.metadata` for Node 20 (TC39 decorator metadata): one definition, in @clustrix/wire.
import '@clustrix/wire/polyfill';
