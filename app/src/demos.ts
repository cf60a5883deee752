// Optional demo features, one line each. To remove a demo, delete its line here and its folder.
export { mountFibonacciDemo } from './fibonacci/fibonacci.routes';
export {}; // keeps this a module when every demo is gone
