/**
 * Baseline: bare node:http + pg running the appointment list's SQL (a user's appointments by
 * start time, 20 rows) and answering the rows as JSON. No auth, no validation, no ORM.
 */
import { createServer } from 'node:http';
import { Pool } from 'pg';

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
const LIST_SQL = `
  SELECT id, patient_id, clinician_id, starts_at, ends_at, status, reason, version, created_at,
         updated_at
    FROM appointments
   WHERE patient_id = $1 OR clinician_id = $1
   ORDER BY starts_at, id
   LIMIT 21`;

const server = createServer((req, res) => {
  const userId = new URL(req.url ?? '/', 'http://x').searchParams.get('user');
  pool.query(LIST_SQL, [userId]).then(
    ({ rows }) => {
      const body = JSON.stringify({ items: rows.slice(0, 20), nextCursor: null });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    },
    () => res.writeHead(500).end(),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
});
