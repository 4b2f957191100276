// Baseline for bench/convert.bench.ts: a bare fast-csv parse of the same file (rows counted, nothing else).
import {createReadStream} from 'node:fs'
import {parse} from 'fast-csv'

let rows = 0
await new Promise((resolve, reject) => {
  createReadStream(process.argv[2], {highWaterMark: 1024 * 1024})
    .pipe(parse({headers: false}))
    .on('data', () => rows++)
    .on('error', reject)
    .on('end', resolve)
})
console.error(`rows ${rows - 1}`)
