"""air_long.py WIDE.csv LONG.csv: the Shenzhen hourly air-quality table (one
row per station and hour, a column per pollutant) as long readings
(sensor,property,t,value), the input the sensor benchmarks load."""
import csv
import sys

PROPS = ['AQI', 'PM2_5', 'PM10', 'SO2', 'NO2', 'O3', 'CO']
with open(sys.argv[1], encoding='utf-8', newline='') as f, open(sys.argv[2], 'w') as out:
    out.write('sensor,property,t,value\n')
    for r in csv.DictReader(f):
        for p in PROPS:
            if r[p] != '':
                out.write('%s,%s,%s,%s\n' % (r['station_code'], p, r['datetime_cst'], r[p]))
