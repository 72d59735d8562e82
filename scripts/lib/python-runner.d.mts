// Types of scripts/lib/python-runner.mjs.
export declare function startJupyterScript(command: string, script: string, args: string[]): Promise<number>;
export declare function runJupyterScript(command: string, script: string, args: string[]): void;
