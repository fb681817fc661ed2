import { createTwelveApp } from "./twelve-app.ts";

// `npx cdk synth | deploy | destroy` run this (cdk.json); context comes from cdk.json and `-c`.
createTwelveApp().app.synth();
