/** A fake terminal stream for command tests: collects what was written. */
export class Capture {
  text = '';
  constructor(public isTTY = false) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}
