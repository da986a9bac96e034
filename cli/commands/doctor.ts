import type { Command } from 'commander';
import type { CommandContext } from '../io.js';

export function registerDoctor(_program: Command, _ctx: CommandContext): void {}
